"""The facilitator's notebooks: served only by `selfexplore facilitate`, never by the student server."""
