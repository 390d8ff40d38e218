module kv

go 1.19
