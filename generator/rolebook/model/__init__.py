"""The file format as typed models (`files`, `review`), the findings rules report, and JSON Schema."""
