package identity

import "slices"

// Function is one line of the role × function matrix: a capability of the
// platform that some roles have. The first twenty-one are the matrix of the
// platform's reference documentation (seeds/002, section 2); the ones after
// are Nephele's own.
type Function string

// The functions.
const (
	PlatformConfiguration    Function = "platform_configuration"
	PlatformDebug            Function = "platform_debug"
	MarketplaceCustomization Function = "marketplace_customization"
	UserManagement           Function = "user_management"
	UserImpersonation        Function = "user_impersonation"
	CustomerManagement       Function = "customer_management"
	CloudProvidersTechnical  Function = "cloud_providers_technical_configuration"
	CloudProvidersPricing    Function = "cloud_providers_pricing_configuration"
	ProductOnboarding        Function = "product_onboarding"
	Sandboxing               Function = "sandboxing"
	VendorReview             Function = "vendor_registration_review"
	ProductReview            Function = "product_onboarding_review"
	WholesalePricing         Function = "wholesale_pricing"
	SellInPricing            Function = "sell_in_pricing"
	SellOutPricing           Function = "sell_out_pricing"
	ExtraResources           Function = "extra_resources_management"
	CouponManagement         Function = "coupon_management"
	BundleManagement         Function = "bundle_management"
	FinancialReports         Function = "financial_reports"
	MessagingSystem          Function = "messaging_system"
	OrderPlacement           Function = "order_placement"

	// AuditLogReview is reading the audit log of every organization.
	AuditLogReview Function = "audit_log_review"
)

// matrix is the permission table: which roles hold each function. Where the
// reference matrix leaves a cell to interpretation the choice follows the
// platform's role descriptions (DOMAIN.md "Parties and roles"):
//   - the super admin holds every function;
//   - the admin runs the marketplace: everything but installation-level
//     configuration, debug and cloud drivers; as the owner of the direct
//     channel it also sets sell-in and sell-out prices of its own catalogs;
//   - the supervisor oversees: impersonation, the two approvals, reports and
//     the audit log, all read-mostly;
//   - vendors onboard, sandbox and price their own products' extras,
//     coupons and bundles, and read their balance reports;
//   - distributors set sell-in prices, manage their resellers and customers,
//     make bundles of what they sell and read their proceeds;
//   - resellers customise their own marketplace, set sell-out prices, manage
//     their customers, make extras, coupons and bundles, push orders and
//     read their proceeds;
//   - customers place orders; everyone can message.
var matrix = map[Function][]Role{
	PlatformConfiguration:    {SuperAdmin},
	PlatformDebug:            {SuperAdmin},
	MarketplaceCustomization: {SuperAdmin, Admin, Reseller},
	UserManagement:           {SuperAdmin, Admin},
	UserImpersonation:        {SuperAdmin, Admin, Supervisor},
	CustomerManagement:       {SuperAdmin, Admin, Distributor, Reseller},
	CloudProvidersTechnical:  {SuperAdmin},
	CloudProvidersPricing:    {SuperAdmin, Admin},
	ProductOnboarding:        {SuperAdmin, Admin, VendorRole},
	Sandboxing:               {SuperAdmin, Admin, VendorRole},
	VendorReview:             {SuperAdmin, Admin, Supervisor},
	ProductReview:            {SuperAdmin, Admin, Supervisor},
	WholesalePricing:         {SuperAdmin, Admin},
	SellInPricing:            {SuperAdmin, Admin, Distributor},
	SellOutPricing:           {SuperAdmin, Admin, Reseller},
	ExtraResources:           {SuperAdmin, Admin, VendorRole, Reseller},
	CouponManagement:         {SuperAdmin, Admin, VendorRole, Reseller},
	BundleManagement:         {SuperAdmin, Admin, VendorRole, Distributor, Reseller},
	FinancialReports:         {SuperAdmin, Admin, Supervisor, VendorRole, Distributor, Reseller},
	MessagingSystem:          {SuperAdmin, Admin, Supervisor, VendorRole, Distributor, Reseller, Customer},
	OrderPlacement:           {SuperAdmin, Admin, Reseller, Customer},
	AuditLogReview:           {SuperAdmin, Admin, Supervisor},
}

// Functions lists every function in matrix order.
var Functions = []Function{
	PlatformConfiguration, PlatformDebug, MarketplaceCustomization, UserManagement, UserImpersonation,
	CustomerManagement, CloudProvidersTechnical, CloudProvidersPricing, ProductOnboarding, Sandboxing,
	VendorReview, ProductReview, WholesalePricing, SellInPricing, SellOutPricing, ExtraResources,
	CouponManagement, BundleManagement, FinancialReports, MessagingSystem, OrderPlacement, AuditLogReview,
}

// Can reports whether role r holds function f.
func Can(r Role, f Function) bool {
	return slices.Contains(matrix[f], r)
}

// FunctionsOf lists the functions role r holds, in matrix order.
func FunctionsOf(r Role) []Function {
	var out []Function
	for _, f := range Functions {
		if Can(r, f) {
			out = append(out, f)
		}
	}
	return out
}
