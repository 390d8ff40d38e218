module anagram

go 1.19
