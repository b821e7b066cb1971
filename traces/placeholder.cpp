// Replaced by the trace readers.
