module sum

go 1.19
