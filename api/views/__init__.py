"""DRF views: parse input, call one function, serialise the output."""
