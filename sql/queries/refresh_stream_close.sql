-- The stream is read to its end (refresh_stream_open.sql).
CLOSE ca_stream;
