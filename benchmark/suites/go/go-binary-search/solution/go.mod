module search

go 1.19
