COPY ca_agg FROM STDIN (FORMAT binary);
