//! Polygon.io / Massive stocks: the stream and the REST API.
