module temperature

go 1.19
