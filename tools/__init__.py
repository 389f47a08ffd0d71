"""Tools that work on an access repository from outside the Rolebook package (never installed with it)."""
