//! Payment providers. Stripe Checkout is the first: the debtor pays on the provider's hosted page
//! (never card fields of ours), and a payment counts only when the provider's signed webhook says so.

pub mod stripe;
