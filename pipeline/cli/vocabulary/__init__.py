"""What the command modules share, one small module per kind: options, value types, output."""
