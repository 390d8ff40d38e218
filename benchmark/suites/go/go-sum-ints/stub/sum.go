package sum

func Sum(nums []int) int {
	return -1
}

func Average(nums []int) float64 {
	return -1
}
