package web

import "net/http"

// onboardingRoutes declares the pages of vendor product onboarding (products, plans, extras, metrics, coupons, bundles) and the admin's review of vendors and products.
func (h *handler) onboardingRoutes(m *http.ServeMux) {
	_ = m
}
