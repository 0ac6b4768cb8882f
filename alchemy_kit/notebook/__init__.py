"""The notebook surface: widgets and charts (built on the display helpers in alchemy_kit.display)."""
