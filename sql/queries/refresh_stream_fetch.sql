FETCH 2000 FROM ca_stream;
