"""The window shell: the main window, its menus and state, theme, banners and dialogs around it."""
