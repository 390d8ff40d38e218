module unique

go 1.19
