"""ipywidgets views over the domain: thin, every event calls one domain function and shows its result."""

from selfexplore.ui.directory import DirectoryView, directory_page

__all__ = ["DirectoryView", "directory_page"]
