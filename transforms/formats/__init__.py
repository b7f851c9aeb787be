"""Input formats: one module per format, each turning a dump's content into parsed items.

Every format module exposes one function that takes the dump's content (decoded text for text
formats, bytes or a binary stream for binary ones) plus the capture time, and yields
`Article | Reject | Skip` items (see `transforms.records`). `transforms.formats.detect` picks the
module by content, not by file name.
"""
