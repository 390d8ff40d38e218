module palindrome

go 1.19
