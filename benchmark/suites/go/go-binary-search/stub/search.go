package search

func Index(sorted []int, target int) int {
	return -2
}
