module rle

go 1.19
