"""The `kizuna` command."""
