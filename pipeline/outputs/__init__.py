"""Writing a run: the output folder, Markdown and HTML renderers, verification."""
