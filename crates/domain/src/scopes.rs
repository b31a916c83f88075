//! Least privilege: what a credential may do.
//!
//! A [`Scope`] is one permission with a stable string name (`messages:send`);
//! a [`ScopeSet`] is a set of them (a bitset), parsed from and rendered to a
//! comma-separated list; a [`Role`] is a named set given to console users.
//!
//! Credentials: an account's auth token has [`ScopeSet::all`]; an API key
//! created without scopes is a *standard* key, [`ScopeSet::standard`] (all
//! but `keys:write`: like Twilio's standard keys, it cannot manage keys).

use std::fmt;

/// One permission. The string names are stable: they are stored with API keys
/// and written by users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Create messages (`POST …/Messages.json`).
    MessagesSend,
    /// List and fetch messages and opt-outs.
    MessagesRead,
    /// Update, redact, cancel and delete messages.
    MessagesWrite,
    /// List and fetch calls.
    CallsRead,
    /// Place, update (cancel, hang up, redirect) and delete calls.
    CallsWrite,
    /// List and fetch phone numbers.
    NumbersRead,
    /// Register, update and release phone numbers.
    NumbersWrite,
    /// List and fetch Messaging Services and their pools.
    ServicesRead,
    /// Create, update and delete Messaging Services and their pools.
    ServicesWrite,
    /// All of Verify (`/v2`): services, verifications, checks, factors,
    /// passkeys, rate limits, safe list and fraud events.
    Verify,
    /// Read shield settings and analyze texts (no side effect).
    ShieldRead,
    /// Change shield settings.
    ShieldWrite,
    /// Create, update and delete API keys.
    KeysWrite,
    /// Read the account's audit log.
    AuditRead,
}

impl Scope {
    /// Every scope, in the order of their bits (and of rendering).
    pub const ALL: [Scope; 14] = [
        Scope::MessagesSend,
        Scope::MessagesRead,
        Scope::MessagesWrite,
        Scope::CallsRead,
        Scope::CallsWrite,
        Scope::NumbersRead,
        Scope::NumbersWrite,
        Scope::ServicesRead,
        Scope::ServicesWrite,
        Scope::Verify,
        Scope::ShieldRead,
        Scope::ShieldWrite,
        Scope::KeysWrite,
        Scope::AuditRead,
    ];

    /// The stable name, e.g. `messages:send`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::MessagesSend => "messages:send",
            Scope::MessagesRead => "messages:read",
            Scope::MessagesWrite => "messages:write",
            Scope::CallsRead => "calls:read",
            Scope::CallsWrite => "calls:write",
            Scope::NumbersRead => "numbers:read",
            Scope::NumbersWrite => "numbers:write",
            Scope::ServicesRead => "services:read",
            Scope::ServicesWrite => "services:write",
            Scope::Verify => "verify",
            Scope::ShieldRead => "shield:read",
            Scope::ShieldWrite => "shield:write",
            Scope::KeysWrite => "keys:write",
            Scope::AuditRead => "audit:read",
        }
    }

    /// The scope with this name (exact, lower case).
    pub fn parse(name: &str) -> Result<Scope, ScopeError> {
        Scope::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| ScopeError::UnknownScope(name.to_owned()))
    }

    /// True for the read-only scopes (`*:read`), which never change anything.
    pub const fn is_read(self) -> bool {
        matches!(
            self,
            Scope::MessagesRead
                | Scope::CallsRead
                | Scope::NumbersRead
                | Scope::ServicesRead
                | Scope::ShieldRead
                | Scope::AuditRead
        )
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a scope list or a role name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("unknown scope '{0}'; known scopes: {known}", known = known_scopes())]
    UnknownScope(String),
    #[error("unknown role '{0}'; known roles: owner, admin, developer, viewer")]
    UnknownRole(String),
}

fn known_scopes() -> String {
    Scope::ALL.map(Scope::as_str).join(", ")
}

/// A set of scopes (a bitset). `Default` is the empty set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ScopeSet(u32);

impl ScopeSet {
    /// No scope at all: such a credential authenticates but may call nothing.
    pub const fn empty() -> Self {
        ScopeSet(0)
    }

    /// Every scope (an account's auth token, owners and admins).
    pub const fn all() -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < Scope::ALL.len() {
            bits |= Scope::ALL[i].bit();
            i += 1;
        }
        ScopeSet(bits)
    }

    /// A standard API key: everything except `keys:write`.
    pub const fn standard() -> Self {
        ScopeSet(Self::all().0 & !Scope::KeysWrite.bit())
    }

    /// A set of one scope.
    pub const fn of(scope: Scope) -> Self {
        ScopeSet(scope.bit())
    }

    /// Whether `scope` is in the set.
    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set with `scope` added.
    #[must_use]
    pub const fn with(self, scope: Scope) -> Self {
        ScopeSet(self.0 | scope.bit())
    }

    /// The set with `scope` removed.
    #[must_use]
    pub const fn without(self, scope: Scope) -> Self {
        ScopeSet(self.0 & !scope.bit())
    }

    /// Whether every scope of `other` is in this set.
    pub const fn includes(self, other: ScopeSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// The scopes in the set, in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// Parses a list separated by commas and/or white space (`messages:send,
    /// messages:read`). Duplicates are allowed. The empty list and the word
    /// `none` both give the empty set; an unknown name is an error naming it.
    pub fn parse(list: &str) -> Result<ScopeSet, ScopeError> {
        let mut set = ScopeSet::empty();
        for name in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|n| !n.is_empty())
        {
            if name == "none" {
                continue;
            }
            set = set.with(Scope::parse(name)?);
        }
        Ok(set)
    }

    /// The names joined by commas, in [`Scope::ALL`] order (`""` when empty).
    pub fn render(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(",")
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        iter.into_iter().fold(ScopeSet::empty(), ScopeSet::with)
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// A console user's role in an account.
///
/// | role      | scopes |
/// |-----------|--------|
/// | owner     | all |
/// | admin     | all |
/// | developer | all but `keys:write` (a standard key's scopes) |
/// | viewer    | the `*:read` scopes (incl. `audit:read`): sends and changes nothing |
///
/// Owners and admins differ in what the console lets them do with users
/// (only an owner manages owners), not in API scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Owner,
    Admin,
    Developer,
    Viewer,
}

impl Role {
    /// Every role, most privileged first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Developer, Role::Viewer];

    /// The stable name (`owner`, `admin`, `developer`, `viewer`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::Viewer => "viewer",
        }
    }

    /// The role with this name.
    pub fn parse(name: &str) -> Result<Role, ScopeError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| ScopeError::UnknownRole(name.to_owned()))
    }

    /// The scopes the role grants.
    pub fn scopes(self) -> ScopeSet {
        match self {
            Role::Owner | Role::Admin => ScopeSet::all(),
            Role::Developer => ScopeSet::standard(),
            Role::Viewer => Scope::ALL.into_iter().filter(|s| s.is_read()).collect(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Ok(s));
        }
        let mut names: Vec<_> = Scope::ALL.map(Scope::as_str).to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Scope::ALL.len());
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
    }

    #[test]
    fn parse_accepts_commas_and_spaces_and_names_the_unknown_scope() {
        let set = ScopeSet::parse(" messages:send, messages:read\tverify ,").expect("parse");
        assert_eq!(set.render(), "messages:send,messages:read,verify");
        assert_eq!(ScopeSet::parse(&set.render()), Ok(set));
        assert_eq!(ScopeSet::parse(""), Ok(ScopeSet::empty()));
        assert_eq!(ScopeSet::parse("none"), Ok(ScopeSet::empty()));
        let err = ScopeSet::parse("messages:send,messages:sned").expect_err("unknown");
        assert_eq!(err, ScopeError::UnknownScope("messages:sned".into()));
        assert!(err.to_string().contains("'messages:sned'"), "{err}");
        assert!(ScopeSet::parse("Messages:Send").is_err());
    }

    #[test]
    fn standard_keys_cannot_manage_keys() {
        assert!(!ScopeSet::standard().contains(Scope::KeysWrite));
        assert_eq!(ScopeSet::standard().with(Scope::KeysWrite), ScopeSet::all());
        assert_eq!(ScopeSet::all().iter().count(), Scope::ALL.len());
        assert!(ScopeSet::empty().is_empty());
    }

    #[test]
    fn roles_are_nested_and_viewers_change_nothing() {
        assert_eq!(Role::Owner.scopes(), ScopeSet::all());
        assert!(Role::Admin.scopes().includes(Role::Developer.scopes()));
        assert!(Role::Developer.scopes().includes(Role::Viewer.scopes()));
        assert!(Role::Developer.scopes().contains(Scope::MessagesSend));
        assert!(!Role::Developer.scopes().contains(Scope::KeysWrite));
        let viewer = Role::Viewer.scopes();
        assert_eq!(
            viewer.render(),
            "messages:read,calls:read,numbers:read,services:read,shield:read,audit:read"
        );
        assert!(viewer.iter().all(Scope::is_read));
    }
}
