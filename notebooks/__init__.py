"""The workbook notebooks that `selfexplore serve` serves through Voila."""
