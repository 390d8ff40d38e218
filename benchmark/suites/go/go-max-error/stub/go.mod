module maxint

go 1.19
