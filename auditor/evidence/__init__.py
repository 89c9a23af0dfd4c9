"""Evidence pages: one static HTML page per report showing what was read and the cells behind each finding."""
