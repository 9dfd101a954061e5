package web

import (
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// roleLabels name the roles for people.
var roleLabels = map[identity.Role]string{
	identity.SuperAdmin:  "Super administrator",
	identity.Admin:       "Administrator",
	identity.Supervisor:  "Supervisor",
	identity.VendorRole:  "Vendor",
	identity.Distributor: "Distributor",
	identity.Reseller:    "Reseller",
	identity.Customer:    "Customer",
}

// kindLabels name the organization kinds for people.
var kindLabels = map[identity.OrgKind]string{
	identity.Operator:       "Marketplace operator",
	identity.VendorOrg:      "Vendor",
	identity.DistributorOrg: "Distributor",
	identity.ResellerOrg:    "Reseller",
	identity.CustomerOrg:    "Customer",
}

// functionLabel is how a function of the permission matrix is shown.
type functionLabel struct {
	Label       string
	Description string
}

// functionLabels name every identity.Function; a test checks none is
// missing.
var functionLabels = map[identity.Function]functionLabel{
	identity.PlatformConfiguration:    {"Platform configuration", "Configure the installation itself."},
	identity.PlatformDebug:            {"Platform debugging", "Inspect the platform's internals to diagnose problems."},
	identity.MarketplaceCustomization: {"Marketplace customization", "Brand and arrange a marketplace."},
	identity.UserManagement:           {"User management", "Create, change and disable users and organizations."},
	identity.UserImpersonation:        {"User impersonation", "Act as another user to help them."},
	identity.CustomerManagement:       {"Customer management", "Manage the customers of your channel."},
	identity.CloudProvidersTechnical:  {"Cloud provider setup", "Configure the technical connection to cloud providers."},
	identity.CloudProvidersPricing:    {"Cloud provider pricing", "Set the prices of cloud provider resources."},
	identity.ProductOnboarding:        {"Product onboarding", "Add products and plans to the catalog."},
	identity.Sandboxing:               {"Sandboxing", "Try products in a sandbox before publishing them."},
	identity.VendorReview:             {"Vendor registration review", "Approve or reject vendors who apply."},
	identity.ProductReview:            {"Product review", "Approve or reject products before they are sold."},
	identity.WholesalePricing:         {"Wholesale pricing", "Set the wholesale prices of products."},
	identity.SellInPricing:            {"Sell-in pricing", "Set the prices resellers buy at."},
	identity.SellOutPricing:           {"Sell-out pricing", "Set the prices customers buy at."},
	identity.ExtraResources:           {"Extra resources", "Define extra resources sold with products."},
	identity.CouponManagement:         {"Coupons", "Create and manage discount coupons."},
	identity.BundleManagement:         {"Bundles", "Combine products into bundles."},
	identity.FinancialReports:         {"Financial reports", "Read balances, proceeds and financial reports."},
	identity.MessagingSystem:          {"Messaging", "Send and read messages on the platform."},
	identity.OrderPlacement:           {"Order placement", "Place orders for products."},
	identity.AuditLogReview:           {"Audit log review", "Read who did what, and when."},
}

// statusName is a status as people read it, and its badge's tone: ok,
// warn, danger, muted or "" (neutral).
type statusName struct {
	Value string
	Label string
	Tone  string
}

// subscriptionStatuses name the subscriptions' statuses, in the order
// filters list them; every page uses these words.
var subscriptionStatuses = []statusName{
	{subscription.StatusActive, "Active", "ok"},
	{subscription.StatusTrialing, "Trial", ""},
	{subscription.StatusWaitingPayment, "Waiting for payment", "warn"},
	{subscription.StatusRequiresApproval, "Waiting for approval", "warn"},
	{subscription.StatusSuspended, "Suspended", "danger"},
	{subscription.StatusExpired, "Expired", "muted"},
	{subscription.StatusTerminated, "Cancelled", "muted"},
	{subscription.StatusRejected, "Rejected", "danger"},
}

// provisioningStatuses name the provisioning statuses, in the machine's
// order.
var provisioningStatuses = []statusName{
	{subscription.ProvRequiresApproval, "Waiting for approval", "muted"},
	{subscription.ProvWaitingPayment, "Waiting for payment", "warn"},
	{subscription.ProvPaymentExpired, "Payment overdue", "danger"},
	{subscription.ProvPending, "Being set up", ""},
	{subscription.ProvDeployed, "Deployed", "ok"},
	{subscription.ProvFailed, "Setup failed", "danger"},
	{subscription.ProvStopped, "Stopped", "warn"},
	{subscription.ProvUndeploySent, "Being removed", "muted"},
	{subscription.ProvUndeployed, "Removed", "muted"},
}

// nameOf finds value's name in names; an unknown value is its own label.
func nameOf(names []statusName, value string) statusName {
	for _, n := range names {
		if n.Value == value {
			return n
		}
	}
	return statusName{Value: value, Label: value}
}
