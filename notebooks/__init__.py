"""The notebooks the servers serve through Voila, each in a folder of its own so that a server serves only
its own: student/ (the workbook app, `selfexplore serve`), facilitator/ (the dashboard, `selfexplore
facilitate`) and adviser/ (the adviser's page, `selfexplore advise`). Each notebook is an import and one
call; the package installs them as selfexplore.notebooks."""
