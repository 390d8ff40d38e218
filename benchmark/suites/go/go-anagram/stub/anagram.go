package anagram

func IsAnagram(a, b string) bool {
	return false
}
