module vowels

go 1.19
