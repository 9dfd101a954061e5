//go:build !race

package billing

const raceDetector = false
