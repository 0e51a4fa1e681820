"""The adviser's notebook: served only by `selfexplore advise` (or an adviser's hub server), never by the
student server."""
