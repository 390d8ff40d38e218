package unique

func Unique(nums []int) []int {
	return nil
}
