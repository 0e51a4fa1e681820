"""The content pack shipped with selfexplore; read it with selfexplore.content.load_content."""
