module rot13

go 1.19
