//! The Suricata rule-string subset AWS Network Firewall policies use: parsing, and
//! matching one rule against one packet of a flow.
//!
//! Supported: actions `pass` `drop` `reject` `alert`; header protocols `tcp` `udp`
//! `icmp` `ip` `tls` `http`; addresses `any`, `$VAR`, CIDRs, bare IPs, `[..]` lists and
//! `!`; ports `any`, `N`, `N:M`, `N:`, `:M`, `[..]`, `!`, `$VAR`; directions `->` and
//! `<>`; options `msg` `sid` `rev` `classtype` `metadata` `priority` `reference` `gid`
//! `noalert` `fast_pattern` (no effect on matching), `flow`, the sticky buffers
//! `tls.sni` / `http.host` with `content` and its modifiers `nocase` `startswith`
//! `endswith` `isdataat:!1,relative`, the `dotprefix` transform, and
//! `ssl_state:client_hello`. Any other keyword is recorded in
//! [`Rule::unsupported`]: such a rule is "not evaluated" when it could match.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

/// A stateful rule's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Pass,
    Drop,
    Reject,
    Alert,
}

impl Action {
    /// The Suricata keyword.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Drop => "drop",
            Self::Reject => "reject",
            Self::Alert => "alert",
        }
    }
}

/// The protocol in a rule header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleProtocol {
    Tcp,
    Udp,
    Icmp,
    /// Any IP packet.
    Ip,
    /// TCP with the TLS application protocol detected.
    Tls,
    /// TCP with the HTTP application protocol detected.
    Http,
    /// Another application protocol (`dns`, `ssh`, `smb`, …): not evaluated.
    Other(String),
}

/// An address in a rule header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrSpec {
    Any,
    Net(IpNet),
    /// `$NAME`, resolved from the rule group's IP sets or the policy variables.
    Var(String),
    Not(Box<AddrSpec>),
    /// `[a,b,!c]`: (a or b) and not c.
    List(Vec<AddrSpec>),
}

/// A port in a rule header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSpec {
    Any,
    /// Inclusive range (a single port is `Range(n, n)`).
    Range(u16, u16),
    /// `$NAME`, resolved from the rule group's port sets.
    Var(String),
    Not(Box<PortSpec>),
    List(Vec<PortSpec>),
}

/// A sticky buffer a `content` match inspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buffer {
    TlsSni,
    HttpHost,
}

/// `content:"…"` on a sticky buffer, with its modifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentMatch {
    /// `None`: payload content (not evaluated).
    pub buffer: Option<Buffer>,
    pub pattern: Vec<u8>,
    pub negated: bool,
    pub nocase: bool,
    pub startswith: bool,
    pub endswith: bool,
    /// The buffer's `dotprefix` transform: a `.` is prepended before matching.
    pub dotprefix: bool,
}

/// The `flow` keyword's conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(clippy::struct_excessive_bools)]
pub struct FlowOptions {
    pub to_server: bool,
    pub to_client: bool,
    pub established: bool,
    pub not_established: bool,
    pub stateless: bool,
}

/// One parsed Suricata rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule as written, trimmed.
    pub text: String,
    /// 1-based line in the rules string.
    pub line: usize,
    pub action: Action,
    pub protocol: RuleProtocol,
    pub src: AddrSpec,
    pub src_ports: PortSpec,
    /// `<>`: the header matches either way round.
    pub bidirectional: bool,
    pub dst: AddrSpec,
    pub dst_ports: PortSpec,
    pub sid: u64,
    pub msg: Option<String>,
    pub flow: FlowOptions,
    pub contents: Vec<ContentMatch>,
    /// `ssl_state:client_hello` (matches in the TLS application phase).
    pub tls_client_hello: bool,
    /// Keywords outside the supported subset, as written (`ja3.hash`, `pcre`, …).
    pub unsupported: Vec<String>,
}

/// Why a rule, or a part of one, is not evaluated: a line outside the supported
/// grammar, a variable that does not resolve. Not a user-facing error: the engine
/// reports such a rule as "not evaluated", naming this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unparsed(pub String);

impl From<String> for Unparsed {
    fn from(reason: String) -> Self {
        Self(reason)
    }
}

impl From<&str> for Unparsed {
    fn from(reason: &str) -> Self {
        Self(reason.to_string())
    }
}

/// A line of a rules string that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub line: usize,
    pub text: String,
    pub reason: String,
}

/// Parses a Suricata rules string: one rule a line, `#` comments and blank lines
/// skipped. Each rule line gives a [`Rule`] or a [`RuleError`], in order.
#[must_use]
pub fn parse_rules(rules: &str) -> Vec<Result<Rule, RuleError>> {
    rules
        .lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let text = raw.trim();
            if text.is_empty() || text.starts_with('#') {
                return None;
            }
            Some(parse_rule(text, i + 1).map_err(|reason| RuleError {
                line: i + 1,
                text: text.to_string(),
                reason: reason.0,
            }))
        })
        .collect()
}

/// Parses one rule line.
///
/// # Errors
/// The reason the line is not a rule of the supported grammar.
pub fn parse_rule(text: &str, line: usize) -> Result<Rule, Unparsed> {
    let open = text
        .find('(')
        .ok_or("no options: expected `(…)` after the header")?;
    let close = text
        .rfind(')')
        .filter(|&c| c > open)
        .ok_or("options not closed with `)`")?;
    if !text[close + 1..].trim().is_empty() {
        return Err("text after the closing `)`".into());
    }
    let header = split_header(&text[..open])?;
    let [action, proto, src, sport, dir, dst, dport] = header.as_slice() else {
        return Err(Unparsed(format!(
            "header has {} fields; expected 7 (action protocol src port direction dst port)",
            header.len()
        )));
    };
    let action = match action.to_ascii_lowercase().as_str() {
        "pass" => Action::Pass,
        "drop" => Action::Drop,
        "reject" => Action::Reject,
        "alert" => Action::Alert,
        other => return Err(Unparsed(format!("unsupported action `{other}`"))),
    };
    let protocol = match proto.to_ascii_lowercase().as_str() {
        "tcp" => RuleProtocol::Tcp,
        "udp" => RuleProtocol::Udp,
        "icmp" => RuleProtocol::Icmp,
        "ip" => RuleProtocol::Ip,
        "tls" => RuleProtocol::Tls,
        "http" => RuleProtocol::Http,
        other => RuleProtocol::Other(other.to_string()),
    };
    let bidirectional = match *dir {
        "->" => false,
        "<>" => true,
        other => {
            return Err(Unparsed(format!(
                "bad direction `{other}` (expected `->` or `<>`)"
            )));
        }
    };
    let mut rule = Rule {
        text: text.to_string(),
        line,
        action,
        protocol,
        src: parse_addr(src, 0)?,
        src_ports: parse_port(sport, 0)?,
        bidirectional,
        dst: parse_addr(dst, 0)?,
        dst_ports: parse_port(dport, 0)?,
        sid: 0,
        msg: None,
        flow: FlowOptions::default(),
        contents: Vec::new(),
        tls_client_hello: false,
        unsupported: Vec::new(),
    };
    parse_options(&text[open + 1..close], &mut rule)?;
    Ok(rule)
}

/// Splits the header on whitespace outside `[…]`.
fn split_header(header: &str) -> Result<Vec<&str>, Unparsed> {
    let mut out = Vec::new();
    let mut depth = 0_i32;
    let mut start: Option<usize> = None;
    for (i, c) in header.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced `]` in the header".into());
                }
            }
            _ => {}
        }
        if c.is_whitespace() && depth == 0 {
            if let Some(s) = start.take() {
                out.push(&header[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if depth != 0 {
        return Err("unbalanced `[` in the header".into());
    }
    if let Some(s) = start {
        out.push(&header[s..]);
    }
    Ok(out)
}

/// Splits `a,b,[c,d]` on commas outside brackets.
fn split_list(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0_i32;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(inner[start..].trim());
    out
}

const MAX_DEPTH: usize = 16;

/// Parses an address (`any`, `$VAR`, CIDR, IP, `[..]`, `!x`).
///
/// # Errors
/// When the text is none of those.
pub fn parse_addr(s: &str, depth: usize) -> Result<AddrSpec, Unparsed> {
    let s = s.trim();
    if depth > MAX_DEPTH {
        return Err("address nested too deeply".into());
    }
    if let Some(rest) = s.strip_prefix('!') {
        return Ok(AddrSpec::Not(Box::new(parse_addr(rest, depth + 1)?)));
    }
    if let Some(inner) = s.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| Unparsed(format!("address list `{s}` not closed")))?;
        let items = split_list(inner)
            .into_iter()
            .map(|i| parse_addr(i, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(AddrSpec::List(items));
    }
    if s.eq_ignore_ascii_case("any") {
        return Ok(AddrSpec::Any);
    }
    if let Some(name) = s.strip_prefix('$') {
        if name.is_empty() {
            return Err("empty variable name `$`".into());
        }
        return Ok(AddrSpec::Var(name.to_string()));
    }
    parse_net(s)
        .map(AddrSpec::Net)
        .ok_or_else(|| Unparsed(format!("bad address `{s}`")))
}

/// A CIDR or a bare IP (a host prefix).
pub(crate) fn parse_net(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if s.contains('/') {
        s.parse::<IpNet>().ok().map(|n| n.trunc())
    } else {
        s.parse::<IpAddr>().ok().map(IpNet::from)
    }
}

/// Parses a port (`any`, `N`, `N:M`, `N:`, `:M`, `[..]`, `!x`, `$VAR`).
///
/// # Errors
/// When the text is none of those, or a range is reversed.
pub fn parse_port(s: &str, depth: usize) -> Result<PortSpec, Unparsed> {
    let s = s.trim();
    if depth > MAX_DEPTH {
        return Err("port nested too deeply".into());
    }
    if let Some(rest) = s.strip_prefix('!') {
        return Ok(PortSpec::Not(Box::new(parse_port(rest, depth + 1)?)));
    }
    if let Some(inner) = s.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| Unparsed(format!("port list `{s}` not closed")))?;
        let items = split_list(inner)
            .into_iter()
            .map(|i| parse_port(i, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(PortSpec::List(items));
    }
    if s.eq_ignore_ascii_case("any") {
        return Ok(PortSpec::Any);
    }
    if let Some(name) = s.strip_prefix('$') {
        if name.is_empty() {
            return Err("empty variable name `$`".into());
        }
        return Ok(PortSpec::Var(name.to_string()));
    }
    let num = |t: &str| {
        t.trim()
            .parse::<u16>()
            .map_err(|_| format!("bad port `{s}`"))
    };
    if let Some((lo, hi)) = s.split_once(':') {
        let lo = if lo.trim().is_empty() { 0 } else { num(lo)? };
        let hi = if hi.trim().is_empty() {
            u16::MAX
        } else {
            num(hi)?
        };
        if lo > hi {
            return Err(Unparsed(format!("reversed port range `{s}`")));
        }
        return Ok(PortSpec::Range(lo, hi));
    }
    let p = num(s)?;
    Ok(PortSpec::Range(p, p))
}

/// Splits the options on `;` outside quotes (a `\` escapes the next character).
fn split_options(opts: &str) -> Result<Vec<String>, Unparsed> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = opts.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push(c);
            }
            ';' if !in_quotes => {
                out.push(std::mem::take(&mut cur).trim().to_string());
            }
            _ => cur.push(c),
        }
    }
    if in_quotes {
        return Err("unterminated quoted string in the options".into());
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    Ok(out.into_iter().filter(|o| !o.is_empty()).collect())
}

/// Removes surrounding quotes and resolves `\x` escapes.
fn unquote(v: &str) -> String {
    let v = v.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes `|2e 63|` hex runs in a content pattern.
fn decode_content(s: &str) -> Result<Vec<u8>, Unparsed> {
    let mut out = Vec::new();
    let mut parts = s.split('|');
    let mut hex = false;
    let mut pieces = 0;
    for part in parts.by_ref() {
        pieces += 1;
        if hex {
            for h in part.split_whitespace() {
                for pair in h.as_bytes().chunks(2) {
                    let pair = std::str::from_utf8(pair).unwrap_or("?");
                    out.push(
                        u8::from_str_radix(pair, 16)
                            .map_err(|_| format!("bad hex `{pair}` in content"))?,
                    );
                }
            }
        } else {
            out.extend_from_slice(part.as_bytes());
        }
        hex = !hex;
    }
    if pieces % 2 == 0 {
        return Err("unbalanced `|` in content".into());
    }
    Ok(out)
}

#[allow(clippy::too_many_lines)]
fn parse_options(opts: &str, rule: &mut Rule) -> Result<(), Unparsed> {
    let mut buffer: Option<Buffer> = None;
    let mut dotprefix = false;
    let mut sid = None;
    for opt in split_options(opts)? {
        let (key, value) = match opt.split_once(':') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
            None => (opt.trim().to_ascii_lowercase(), None),
        };
        match key.as_str() {
            "msg" => rule.msg = value.map(unquote),
            "sid" => {
                let v = value.ok_or("`sid` without a value")?;
                sid = Some(v.parse::<u64>().map_err(|_| format!("bad sid `{v}`"))?);
            }
            "rev" | "classtype" | "metadata" | "priority" | "reference" | "gid" | "noalert"
            | "fast_pattern" | "target" => {}
            "flow" => {
                let v = value.ok_or("`flow` without a value")?;
                for part in v.split(',').map(str::trim) {
                    match part.to_ascii_lowercase().as_str() {
                        "to_server" | "from_client" => rule.flow.to_server = true,
                        "to_client" | "from_server" => rule.flow.to_client = true,
                        "established" => rule.flow.established = true,
                        "not_established" => rule.flow.not_established = true,
                        "stateless" => rule.flow.stateless = true,
                        other => rule.unsupported.push(format!("flow:{other}")),
                    }
                }
            }
            "tls.sni" | "tls_sni" => {
                buffer = Some(Buffer::TlsSni);
                dotprefix = false;
            }
            "http.host" => {
                buffer = Some(Buffer::HttpHost);
                dotprefix = false;
            }
            "dotprefix" => {
                if buffer.is_some() {
                    dotprefix = true;
                } else {
                    rule.unsupported
                        .push("dotprefix (without a sticky buffer)".into());
                }
            }
            "content" => {
                let v = value.ok_or("`content` without a value")?;
                let (negated, v) = match v.strip_prefix('!') {
                    Some(rest) => (true, rest.trim()),
                    None => (false, v),
                };
                if !(v.starts_with('"') && v.ends_with('"') && v.len() >= 2) {
                    return Err(Unparsed(format!("content value `{v}` is not quoted")));
                }
                rule.contents.push(ContentMatch {
                    buffer,
                    pattern: decode_content(&unquote(v))?,
                    negated,
                    nocase: false,
                    startswith: false,
                    endswith: false,
                    dotprefix: buffer.is_some() && dotprefix,
                });
            }
            "nocase" | "startswith" | "endswith" | "http_host" | "isdataat" => {
                let Some(last) = rule.contents.last_mut() else {
                    return Err(Unparsed(format!("`{key}` before any `content`")));
                };
                match key.as_str() {
                    "nocase" => last.nocase = true,
                    "startswith" => last.startswith = true,
                    "endswith" => last.endswith = true,
                    // Legacy modifier form: `content:"x"; http_host;`.
                    "http_host" if last.buffer.is_none() => last.buffer = Some(Buffer::HttpHost),
                    "isdataat"
                        if value.is_some_and(|v| {
                            v.replace(' ', "").eq_ignore_ascii_case("!1,relative")
                        }) =>
                    {
                        last.endswith = true;
                    }
                    _ => rule.unsupported.push(opt.clone()),
                }
            }
            "ssl_state" => {
                if value.is_some_and(|v| v.eq_ignore_ascii_case("client_hello")) {
                    rule.tls_client_hello = true;
                } else {
                    rule.unsupported.push(opt.clone());
                }
            }
            _ => rule.unsupported.push(key.clone()),
        }
    }
    if rule.contents.iter().any(|c| c.buffer.is_none()) {
        rule.unsupported.push("content (payload)".into());
    }
    rule.sid = sid.ok_or("no `sid`")?;
    Ok(())
}

/// A port as one packet carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortVal {
    Exact(u16),
    /// A client's ephemeral port, unknown: only a spec covering all of 1024–65535
    /// matches it.
    Ephemeral,
    /// The protocol has no ports (ICMP).
    NoPort,
}

/// The application protocol detected on a packet's flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    /// Handshake / not detected yet.
    None,
    Tls,
    Http,
    Unknown,
}

/// One packet as the stateful engine sees it.
#[derive(Debug, Clone)]
pub(crate) struct Packet<'f> {
    pub proto: super::Protocol,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: PortVal,
    pub dport: PortVal,
    pub to_server: bool,
    pub established: bool,
    pub app: App,
    pub sni: Option<&'f str>,
    pub host: Option<&'f str>,
}

/// Variables a rule group's rules resolve against.
pub(crate) struct Vars<'a> {
    pub home_net: &'a [IpNet],
    pub ip_sets: &'a BTreeMap<String, Vec<String>>,
    pub policy_vars: &'a BTreeMap<String, Vec<String>>,
    pub port_sets: &'a BTreeMap<String, Vec<String>>,
}

impl Vars<'_> {
    fn resolve_addr(&self, name: &str, depth: usize) -> Result<AddrSpec, Unparsed> {
        let list = |defs: &Vec<String>| -> Result<AddrSpec, Unparsed> {
            defs.iter()
                .map(|d| parse_addr(d, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(AddrSpec::List)
                .map_err(|e| Unparsed(format!("variable ${name}: {e}")))
        };
        if name == "HOME_NET" {
            return Ok(AddrSpec::List(
                self.home_net.iter().copied().map(AddrSpec::Net).collect(),
            ));
        }
        if let Some(defs) = self.ip_sets.get(name) {
            return list(defs);
        }
        if name == "EXTERNAL_NET" {
            return Ok(AddrSpec::Not(Box::new(AddrSpec::Var("HOME_NET".into()))));
        }
        if let Some(defs) = self.policy_vars.get(name) {
            return list(defs);
        }
        Err(Unparsed(format!("unknown variable ${name}")))
    }

    pub fn addr_matches(
        &self,
        spec: &AddrSpec,
        ip: IpAddr,
        depth: usize,
    ) -> Result<bool, Unparsed> {
        if depth > MAX_DEPTH {
            return Err("variables nested too deeply".into());
        }
        Ok(match spec {
            AddrSpec::Any => true,
            AddrSpec::Net(n) => n.contains(&ip),
            AddrSpec::Var(v) => self.addr_matches(&self.resolve_addr(v, depth)?, ip, depth + 1)?,
            AddrSpec::Not(x) => !self.addr_matches(x, ip, depth + 1)?,
            AddrSpec::List(items) => {
                let mut any_pos = false;
                let mut pos_hit = false;
                for item in items {
                    if let AddrSpec::Not(inner) = item {
                        if self.addr_matches(inner, ip, depth + 1)? {
                            return Ok(false);
                        }
                    } else {
                        any_pos = true;
                        pos_hit = pos_hit || self.addr_matches(item, ip, depth + 1)?;
                    }
                }
                !any_pos || pos_hit
            }
        })
    }

    /// The ports a spec matches, as sorted disjoint inclusive ranges.
    fn port_set(&self, spec: &PortSpec, depth: usize) -> Result<Vec<(u16, u16)>, Unparsed> {
        if depth > MAX_DEPTH {
            return Err("port variables nested too deeply".into());
        }
        Ok(match spec {
            PortSpec::Any => vec![(0, u16::MAX)],
            PortSpec::Range(a, b) => vec![(*a, *b)],
            PortSpec::Var(name) => {
                let defs = self
                    .port_sets
                    .get(name)
                    .ok_or_else(|| Unparsed(format!("unknown port variable ${name}")))?;
                let mut all = Vec::new();
                for d in defs {
                    let s = parse_port(d, depth + 1).map_err(|e| format!("${name}: {e}"))?;
                    all.extend(self.port_set(&s, depth + 1)?);
                }
                normalize(all)
            }
            PortSpec::Not(x) => complement(&self.port_set(x, depth + 1)?),
            PortSpec::List(items) => {
                let mut pos = Vec::new();
                let mut neg = Vec::new();
                let mut any_pos = false;
                for item in items {
                    if let PortSpec::Not(inner) = item {
                        neg.extend(self.port_set(inner, depth + 1)?);
                    } else {
                        any_pos = true;
                        pos.extend(self.port_set(item, depth + 1)?);
                    }
                }
                let pos = if any_pos {
                    normalize(pos)
                } else {
                    vec![(0, u16::MAX)]
                };
                intersect(&pos, &complement(&normalize(neg)))
            }
        })
    }

    pub fn port_matches(&self, spec: &PortSpec, port: PortVal) -> Result<bool, Unparsed> {
        let set = self.port_set(spec, 0)?;
        Ok(match port {
            PortVal::Exact(p) => set.iter().any(|&(a, b)| a <= p && p <= b),
            PortVal::Ephemeral => set.iter().any(|&(a, b)| a <= 1024 && b == u16::MAX),
            PortVal::NoPort => set == [(0, u16::MAX)],
        })
    }
}

fn normalize(mut v: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    v.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if u32::from(a) <= u32::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn complement(set: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let mut next: u32 = 0;
    for &(a, b) in set {
        if u32::from(a) > next {
            out.push((u16::try_from(next).unwrap_or(u16::MAX), a - 1));
        }
        next = u32::from(b) + 1;
    }
    if next <= u32::from(u16::MAX) {
        out.push((u16::try_from(next).unwrap_or(u16::MAX), u16::MAX));
    }
    out
}

fn intersect(x: &[(u16, u16)], y: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    for &(a, b) in x {
        for &(c, d) in y {
            let lo = a.max(c);
            let hi = b.min(d);
            if lo <= hi {
                out.push((lo, hi));
            }
        }
    }
    normalize(out)
}

/// Whether one rule matches one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Match {
    Yes,
    No,
    /// It could match, but part of it is not evaluated (the reason).
    Unknown(String),
}

/// One content match on a buffer. `dotprefix` prepends a `.` to the buffer, so
/// `dotprefix; content:".amazon.com"; endswith` matches `amazon.com` and
/// `www.amazon.com` but not `fakeamazon.com`
/// (https://docs.suricata.io/en/latest/rules/transforms.html#dotprefix).
fn content_matches(c: &ContentMatch, value: &str) -> bool {
    let mut buf: Vec<u8> = Vec::with_capacity(value.len() + 1);
    if c.dotprefix {
        buf.push(b'.');
    }
    buf.extend_from_slice(value.as_bytes());
    let mut pat = c.pattern.clone();
    if c.nocase {
        buf.make_ascii_lowercase();
        pat.make_ascii_lowercase();
    }
    let hit = match (c.startswith, c.endswith) {
        (true, true) => buf == pat,
        (true, false) => buf.starts_with(&pat),
        (false, true) => buf.ends_with(&pat),
        (false, false) => pat.is_empty() || buf.windows(pat.len()).any(|w| w == pat.as_slice()),
    };
    hit != c.negated
}

/// Matches a rule against a packet. Conditions are ANDed, so any condition this
/// module can evaluate that fails makes the answer a confident `No`, even when the
/// rule also has keywords it cannot evaluate.
pub(crate) fn rule_matches(rule: &Rule, pkt: &Packet<'_>, vars: &Vars<'_>) -> Match {
    use super::Protocol as P;
    let mut unknown: Vec<String> = Vec::new();
    // Protocol and application protocol.
    let proto_ok = match &rule.protocol {
        RuleProtocol::Tcp => pkt.proto == P::Tcp,
        RuleProtocol::Udp => pkt.proto == P::Udp,
        RuleProtocol::Icmp => pkt.proto == P::Icmp,
        RuleProtocol::Ip => true,
        RuleProtocol::Tls => pkt.proto == P::Tcp && pkt.app == App::Tls,
        RuleProtocol::Http => pkt.proto == P::Tcp && pkt.app == App::Http,
        RuleProtocol::Other(p) => {
            unknown.push(format!("protocol `{p}`"));
            true
        }
    };
    if !proto_ok {
        return Match::No;
    }
    let needs_tls = rule.tls_client_hello
        || rule
            .contents
            .iter()
            .any(|c| c.buffer == Some(Buffer::TlsSni));
    let needs_http = rule
        .contents
        .iter()
        .any(|c| c.buffer == Some(Buffer::HttpHost));
    if (needs_tls && pkt.app != App::Tls) || (needs_http && pkt.app != App::Http) {
        return Match::No;
    }
    // Header.
    let header =
        |src: IpAddr, sport: PortVal, dst: IpAddr, dport: PortVal| -> Result<bool, Unparsed> {
            Ok(vars.addr_matches(&rule.src, src, 0)?
                && vars.port_matches(&rule.src_ports, sport)?
                && vars.addr_matches(&rule.dst, dst, 0)?
                && vars.port_matches(&rule.dst_ports, dport)?)
        };
    let fwd = header(pkt.src, pkt.sport, pkt.dst, pkt.dport);
    let hdr = if rule.bidirectional {
        match (fwd, header(pkt.dst, pkt.dport, pkt.src, pkt.sport)) {
            (Ok(true), _) | (_, Ok(true)) => Ok(true),
            (Ok(false), Ok(false)) => Ok(false),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    } else {
        fwd
    };
    match hdr {
        Ok(false) => return Match::No,
        Ok(true) => {}
        Err(e) => unknown.push(e.0),
    }
    // Flow state and direction.
    let f = rule.flow;
    if (f.to_server && !pkt.to_server)
        || (f.to_client && pkt.to_server)
        || (f.established && !pkt.established)
        || (f.not_established && pkt.established)
    {
        return Match::No;
    }
    // Sticky-buffer contents.
    for c in &rule.contents {
        let value = match c.buffer {
            Some(Buffer::TlsSni) => pkt.sni,
            Some(Buffer::HttpHost) => pkt.host,
            None => continue,
        };
        // An absent buffer matches only a negated content.
        let hit = value.map_or(c.negated, |v| content_matches(c, v));
        if !hit {
            return Match::No;
        }
    }
    unknown.extend(rule.unsupported.iter().cloned());
    if unknown.is_empty() {
        Match::Yes
    } else {
        Match::Unknown(unknown.join(", "))
    }
}
