module leap

go 1.19
