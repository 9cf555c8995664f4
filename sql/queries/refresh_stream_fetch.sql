FETCH 5000 FROM ca_stream;
