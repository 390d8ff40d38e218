package unique

func Unique(nums []int) []int {
	seen := map[int]bool{}
	out := []int{}
	for _, n := range nums {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
