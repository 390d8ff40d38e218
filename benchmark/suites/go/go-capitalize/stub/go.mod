module capitalize

go 1.19
