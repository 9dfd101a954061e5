package identity

import "slices"

// Role is what a user may do; every user has exactly one.
type Role string

// The seven roles of a marketplace.
const (
	SuperAdmin  Role = "super_admin" // runs the installation
	Admin       Role = "admin"       // runs the marketplace
	Supervisor  Role = "supervisor"  // oversight: impersonation, approvals, reports
	VendorRole  Role = "vendor"      // sells its own products
	Distributor Role = "distributor" // resells to resellers
	Reseller    Role = "reseller"    // sells to end customers
	Customer    Role = "customer"    // buys
)

// Roles lists every role, most powerful first.
var Roles = []Role{SuperAdmin, Admin, Supervisor, VendorRole, Distributor, Reseller, Customer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Staff reports whether r belongs to the marketplace operator's staff, who
// see every organization.
func (r Role) Staff() bool { return r == SuperAdmin || r == Admin || r == Supervisor }

// rank orders staff roles for who may manage or impersonate whom; every
// non-staff role ranks 0.
func (r Role) rank() int {
	switch r {
	case SuperAdmin:
		return 3
	case Admin:
		return 2
	case Supervisor:
		return 1
	}
	return 0
}

// OrgKind is what an organization is in the channel.
type OrgKind string

// The organization kinds.
const (
	Operator       OrgKind = "operator"
	VendorOrg      OrgKind = "vendor"
	DistributorOrg OrgKind = "distributor"
	ResellerOrg    OrgKind = "reseller"
	CustomerOrg    OrgKind = "customer"
)

// OrgKinds lists every organization kind, top of the channel first.
var OrgKinds = []OrgKind{Operator, VendorOrg, DistributorOrg, ResellerOrg, CustomerOrg}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool { return slices.Contains(OrgKinds, k) }

// RolesFor lists the roles a user of an organization of kind k may hold.
func RolesFor(k OrgKind) []Role {
	switch k {
	case Operator:
		return []Role{SuperAdmin, Admin, Supervisor}
	case VendorOrg:
		return []Role{VendorRole}
	case DistributorOrg:
		return []Role{Distributor}
	case ResellerOrg:
		return []Role{Reseller}
	case CustomerOrg:
		return []Role{Customer}
	}
	return nil
}

// ParentKinds lists the kinds an organization of kind k may sit under:
// vendors and distributors under the operator; resellers under a distributor
// or directly under the operator; customers under a reseller, a distributor
// or the operator (direct sales). The operator has no parent.
func ParentKinds(k OrgKind) []OrgKind {
	switch k {
	case VendorOrg, DistributorOrg:
		return []OrgKind{Operator}
	case ResellerOrg:
		return []OrgKind{DistributorOrg, Operator}
	case CustomerOrg:
		return []OrgKind{ResellerOrg, DistributorOrg, Operator}
	}
	return nil
}
