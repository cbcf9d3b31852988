use crate::fields::Fields;
use crate::parse::{self, MAX_TEXT};
use crate::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

crate::text_enum!(
    /// Where the account is in its life with us.
    Lifecycle {
        Prospect => "prospect", "Prospect";
        Customer => "customer", "Customer";
        Former => "former", "Former customer";
    }
);

crate::text_enum!(
    Segment {
        Enterprise => "enterprise", "Enterprise";
        MidMarket => "mid_market", "Mid-market";
        Smb => "smb", "Small business";
    }
);

crate::text_enum!(
    Region {
        NorthAmerica => "north_america", "North America";
        Emea => "emea", "EMEA";
        Apac => "apac", "APAC";
        Latam => "latam", "Latin America";
    }
);

/// The validated values of an account, as created or updated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountData {
    pub external_id: Option<String>,
    pub name: String,
    pub industry: Option<String>,
    pub region: Option<Region>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub employees: Option<i64>,
    pub segment: Option<Segment>,
    pub lifecycle: Lifecycle,
    pub products: Vec<String>,
    /// Annual revenue from this account, whole currency units.
    pub annual_revenue: i64,
    pub cost_to_serve: i64,
    pub discount: i64,
    pub customer_since: Option<NaiveDate>,
    pub renewal_date: Option<NaiveDate>,
    pub owner: Option<String>,
    pub at_risk: bool,
    pub at_risk_reason: Option<String>,
    /// Seen only by roles allowed private notes (F1).
    pub private_notes: Option<String>,
    /// The competitor this customer replaced with us (a reference criterion).
    pub competitor_replaced: Option<String>,
}

/// The fields an account form, JSON body or CSV row may carry.
pub const ACCOUNT_FIELDS: &[&str] = &[
    "external_id",
    "name",
    "industry",
    "region",
    "country",
    "city",
    "employees",
    "segment",
    "lifecycle",
    "products",
    "annual_revenue",
    "cost_to_serve",
    "discount",
    "customer_since",
    "renewal_date",
    "owner",
    "at_risk",
    "at_risk_reason",
    "private_notes",
    "competitor_replaced",
];

impl AccountData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let name = e.check("name", parse::required_text(f.get("name"), MAX_TEXT));
        let industry = e.check("industry", parse::optional_text(f.get("industry"), 100));
        let region = e.check("region", optional_enum(f.get("region"), Region::parse));
        let country = e.check("country", parse::optional_text(f.get("country"), 100));
        let city = e.check("city", parse::optional_text(f.get("city"), 100));
        let employees = e.check(
            "employees",
            parse::optional_int(f.get("employees"), 0, 10_000_000),
        );
        let segment = e.check("segment", optional_enum(f.get("segment"), Segment::parse));
        let lifecycle = e.check(
            "lifecycle",
            optional_enum(f.get("lifecycle"), Lifecycle::parse)
                .map(|l| l.unwrap_or(Lifecycle::Customer)),
        );
        let products = e.check("products", parse::list(f.get("products"), 100));
        let annual_revenue = e.check(
            "annual_revenue",
            parse::optional_money(f.get("annual_revenue")),
        );
        let cost_to_serve = e.check(
            "cost_to_serve",
            parse::optional_money(f.get("cost_to_serve")),
        );
        let discount = e.check("discount", parse::optional_money(f.get("discount")));
        let customer_since = e.check(
            "customer_since",
            parse::optional_date(f.get("customer_since")),
        );
        let renewal_date = e.check("renewal_date", parse::optional_date(f.get("renewal_date")));
        let owner = e.check("owner", parse::optional_text(f.get("owner"), 100));
        let at_risk = e.check("at_risk", parse::bool_or(f.get("at_risk"), false));
        let at_risk_reason = e.check(
            "at_risk_reason",
            parse::optional_text(f.get("at_risk_reason"), 500),
        );
        let private_notes = e.check(
            "private_notes",
            parse::optional_text(f.get("private_notes"), parse::MAX_NOTES),
        );
        let competitor_replaced = e.check(
            "competitor_replaced",
            parse::optional_text(f.get("competitor_replaced"), 100),
        );
        if at_risk == Some(true) && matches!(at_risk_reason, Some(None)) {
            e.add("at_risk_reason", "say why the account is at risk");
        }
        if let (Some(Some(since)), Some(Some(renewal))) = (customer_since, renewal_date) {
            if renewal < since {
                e.add("renewal_date", "is before the customer-since date");
            }
        }
        e.into_result(|| AccountData {
            external_id: external_id.unwrap(),
            name: name.unwrap(),
            industry: industry.unwrap(),
            region: region.unwrap(),
            country: country.unwrap(),
            city: city.unwrap(),
            employees: employees.unwrap(),
            segment: segment.unwrap(),
            lifecycle: lifecycle.unwrap(),
            products: products.unwrap(),
            annual_revenue: annual_revenue.unwrap().unwrap_or(0),
            cost_to_serve: cost_to_serve.unwrap().unwrap_or(0),
            discount: discount.unwrap().unwrap_or(0),
            customer_since: customer_since.unwrap(),
            renewal_date: renewal_date.unwrap(),
            owner: owner.unwrap(),
            at_risk: at_risk.unwrap(),
            at_risk_reason: if at_risk == Some(true) {
                at_risk_reason.unwrap()
            } else {
                None
            },
            private_notes: private_notes.unwrap(),
            competitor_replaced: competitor_replaced.unwrap(),
        })
    }

    /// Margin = revenue − cost to serve − discount (A6).
    pub fn margin(&self) -> i64 {
        margin(self.annual_revenue, self.cost_to_serve, self.discount)
    }

    /// The account as form fields, to prefill an edit form.
    pub fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.push("external_id", self.external_id.clone().unwrap_or_default());
        f.push("name", self.name.clone());
        f.push("industry", self.industry.clone().unwrap_or_default());
        f.push("region", self.region.map(|r| r.as_str()).unwrap_or(""));
        f.push("country", self.country.clone().unwrap_or_default());
        f.push("city", self.city.clone().unwrap_or_default());
        f.push(
            "employees",
            self.employees.map(|n| n.to_string()).unwrap_or_default(),
        );
        f.push("segment", self.segment.map(|s| s.as_str()).unwrap_or(""));
        f.push("lifecycle", self.lifecycle.as_str());
        f.push("products", self.products.join("; "));
        f.push("annual_revenue", self.annual_revenue.to_string());
        f.push("cost_to_serve", self.cost_to_serve.to_string());
        f.push("discount", self.discount.to_string());
        f.push("customer_since", date_text(self.customer_since));
        f.push("renewal_date", date_text(self.renewal_date));
        f.push("owner", self.owner.clone().unwrap_or_default());
        f.push("at_risk", if self.at_risk { "true" } else { "false" });
        f.push(
            "at_risk_reason",
            self.at_risk_reason.clone().unwrap_or_default(),
        );
        f.push(
            "private_notes",
            self.private_notes.clone().unwrap_or_default(),
        );
        f.push(
            "competitor_replaced",
            self.competitor_replaced.clone().unwrap_or_default(),
        );
        f
    }
}

pub fn margin(revenue: i64, cost_to_serve: i64, discount: i64) -> i64 {
    revenue - cost_to_serve - discount
}

/// Margin as a share of revenue, when there is revenue.
pub fn margin_ratio(revenue: i64, margin: i64) -> Option<f64> {
    (revenue > 0).then(|| margin as f64 / revenue as f64)
}

pub(crate) fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub(crate) fn optional_enum<T>(
    input: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        parse(input).map(Some)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: i64,
    #[serde(flatten)]
    pub data: AccountData,
    pub margin: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the accounts list is filtered, sorted and paged by (A1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountQuery {
    pub search: Option<String>,
    pub industry: Option<String>,
    pub region: Option<Region>,
    pub segment: Option<Segment>,
    pub lifecycle: Option<Lifecycle>,
    pub at_risk: Option<bool>,
    pub unprofitable: Option<bool>,
    pub sort: AccountSort,
    pub descending: bool,
    pub page: u32,
    pub per_page: u32,
}

crate::text_enum!(
    AccountSort {
        Name => "name", "Name";
        Industry => "industry", "Industry";
        Region => "region", "Region";
        Segment => "segment", "Segment";
        Employees => "employees", "Employees";
        Revenue => "revenue", "Revenue";
        Margin => "margin", "Margin";
        Renewal => "renewal", "Renewal";
        Updated => "updated", "Last updated";
    }
);

// `text_enum!` fixes the derives, so `#[default]` is not available here.
#[allow(clippy::derivable_impls)]
impl Default for AccountSort {
    fn default() -> Self {
        AccountSort::Name
    }
}

pub const DEFAULT_PER_PAGE: u32 = 25;
pub const MAX_PER_PAGE: u32 = 500;

impl AccountQuery {
    /// Builds a query from URL parameters; unknown or malformed values are reported.
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        // Control characters pasted into the search box are dropped, not the whole search.
        let typed: String = f.get("q").chars().filter(|c| !c.is_control()).collect();
        let search = parse::optional_text(&typed, 200).ok().flatten();
        let industry = parse::optional_text(f.get("industry"), 100).ok().flatten();
        let region = e.check("region", optional_enum(f.get("region"), Region::parse));
        let segment = e.check("segment", optional_enum(f.get("segment"), Segment::parse));
        let lifecycle = e.check(
            "lifecycle",
            optional_enum(f.get("lifecycle"), Lifecycle::parse),
        );
        let at_risk = e.check("at_risk", optional_bool(f.get("at_risk")));
        let unprofitable = e.check("unprofitable", optional_bool(f.get("unprofitable")));
        let sort = e.check("sort", optional_enum(f.get("sort"), AccountSort::parse));
        let descending = match f.get("dir") {
            "" | "asc" => false,
            "desc" => true,
            other => {
                e.add("dir", format!("'{other}' is not asc or desc"));
                false
            }
        };
        let page = e.check("page", parse::optional_int(f.get("page"), 1, 1_000_000));
        let per_page = e.check(
            "per_page",
            parse::optional_int(f.get("per_page"), 1, MAX_PER_PAGE as i64),
        );
        e.into_result(|| AccountQuery {
            search,
            industry,
            region: region.unwrap(),
            segment: segment.unwrap(),
            lifecycle: lifecycle.unwrap(),
            at_risk: at_risk.unwrap(),
            unprofitable: unprofitable.unwrap(),
            sort: sort.unwrap().unwrap_or_default(),
            descending,
            page: page.unwrap().unwrap_or(1) as u32,
            per_page: per_page.unwrap().unwrap_or(DEFAULT_PER_PAGE as i64) as u32,
        })
    }

    pub fn offset(&self) -> u64 {
        (self.page.max(1) as u64 - 1) * self.per_page() as u64
    }
    pub fn per_page(&self) -> u32 {
        if self.per_page == 0 {
            DEFAULT_PER_PAGE
        } else {
            self.per_page.min(MAX_PER_PAGE)
        }
    }
}

/// A list's sort column, direction and page, read from `sort`, `dir`, `page` and
/// `per_page` the way `AccountQuery` reads them. `sort` is `None` when the list keeps its
/// own default order; `dir` left out then means that order's own direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paging<S> {
    pub sort: Option<S>,
    pub descending: bool,
    pub page: u32,
    pub per_page: u32,
}

impl<S> Default for Paging<S> {
    fn default() -> Self {
        Paging {
            sort: None,
            descending: false,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl<S> Paging<S> {
    /// Unknown or malformed values are added to `e` (the fields are named as in the URL).
    pub fn from_fields(
        f: &Fields,
        e: &mut FieldErrors,
        parse_sort: fn(&str) -> Result<S, String>,
    ) -> Self {
        let sort = e
            .check("sort", optional_enum(f.get("sort"), parse_sort))
            .flatten();
        let descending = match f.get("dir") {
            "" | "asc" => false,
            "desc" => true,
            other => {
                e.add("dir", format!("'{other}' is not asc or desc"));
                false
            }
        };
        let page = e
            .check("page", parse::optional_int(f.get("page"), 1, 1_000_000))
            .flatten();
        let per_page = e
            .check(
                "per_page",
                parse::optional_int(f.get("per_page"), 1, MAX_PER_PAGE as i64),
            )
            .flatten();
        Paging {
            sort,
            descending,
            page: page.unwrap_or(1) as u32,
            per_page: per_page.unwrap_or(DEFAULT_PER_PAGE as i64) as u32,
        }
    }

    pub fn page(&self) -> u32 {
        self.page.max(1)
    }
    pub fn offset(&self) -> u64 {
        (self.page() as u64 - 1) * self.per_page() as u64
    }
    pub fn per_page(&self) -> u32 {
        if self.per_page == 0 {
            DEFAULT_PER_PAGE
        } else {
            self.per_page.min(MAX_PER_PAGE)
        }
    }
    /// `items` (one page of `total`) with this page number and size.
    pub fn page_of<T>(&self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page(),
            per_page: self.per_page(),
        }
    }
}

fn optional_bool(input: &str) -> Result<Option<bool>, String> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        parse::bool_or(input, false).map(Some)
    }
}

/// One page of results and the total count behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        (self.total.div_ceil(self.per_page.max(1) as u64)).max(1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn valid_account_parses_with_defaults() {
        let a =
            AccountData::from_fields(&fields(&[("name", " Acme "), ("annual_revenue", "1,000")]))
                .unwrap();
        assert_eq!(a.name, "Acme");
        assert_eq!(a.lifecycle, Lifecycle::Customer);
        assert_eq!(a.annual_revenue, 1000);
        assert_eq!(a.margin(), 1000);
    }

    #[test]
    fn every_bad_field_is_reported_by_name() {
        let err = AccountData::from_fields(&fields(&[
            ("name", ""),
            ("region", "Mars"),
            ("employees", "many"),
            ("renewal_date", "2024-13-01"),
        ]))
        .unwrap_err();
        assert!(err.get("name").unwrap().contains("required"));
        assert!(err.get("region").unwrap().contains("Mars"));
        assert!(err.get("employees").is_some());
        assert!(err.get("renewal_date").is_some());
    }

    #[test]
    fn at_risk_needs_a_reason() {
        let err =
            AccountData::from_fields(&fields(&[("name", "A"), ("at_risk", "yes")])).unwrap_err();
        assert!(err.get("at_risk_reason").is_some());
        let ok = AccountData::from_fields(&fields(&[
            ("name", "A"),
            ("at_risk", "no"),
            ("at_risk_reason", "x"),
        ]))
        .unwrap();
        assert_eq!(ok.at_risk_reason, None);
    }

    #[test]
    fn margin_is_revenue_minus_cost_minus_discount() {
        assert_eq!(margin(100_000, 70_000, 40_000), -10_000);
        assert_eq!(margin_ratio(100_000, 25_000), Some(0.25));
        assert_eq!(margin_ratio(0, -5), None);
    }

    #[test]
    fn enums_accept_labels() {
        assert_eq!(Segment::parse("Mid-Market").unwrap(), Segment::MidMarket);
        assert_eq!(
            Region::parse("north america").unwrap(),
            Region::NorthAmerica
        );
        assert_eq!(
            Lifecycle::parse("Former customer").unwrap(),
            Lifecycle::Former
        );
    }

    #[test]
    fn paging_reads_sort_direction_and_page() {
        let mut e = FieldErrors::new();
        let p = Paging::from_fields(
            &fields(&[
                ("sort", "revenue"),
                ("dir", "desc"),
                ("page", "3"),
                ("per_page", "10"),
            ]),
            &mut e,
            AccountSort::parse,
        );
        assert!(e.is_empty());
        assert_eq!(p.sort, Some(AccountSort::Revenue));
        assert!(p.descending);
        assert_eq!(p.offset(), 20);
        let p = Paging::from_fields(
            &fields(&[("sort", "shoe"), ("dir", "up"), ("page", "0")]),
            &mut e,
            AccountSort::parse,
        );
        assert_eq!((p.sort, p.offset()), (None, 0));
        assert!(e.get("sort").is_some() && e.get("dir").is_some() && e.get("page").is_some());
    }

    #[test]
    fn query_rejects_unknown_sort() {
        let err = AccountQuery::from_fields(&fields(&[("sort", "shoe size")])).unwrap_err();
        assert!(err.get("sort").is_some());
        let q = AccountQuery::from_fields(&fields(&[("page", "3"), ("per_page", "10")])).unwrap();
        assert_eq!(q.offset(), 20);
    }
}
