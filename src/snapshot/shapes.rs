//! The AWS CLI's JSON (`aws … --output json`), as serde shapes: the fields netops
//! reads, named as the API names them (PascalCase). Unknown fields are ignored, so a
//! capture made by a newer CLI still reads; absent fields are empty. Serialising
//! writes the same shapes back (empty fields left out), so a saved snapshot is what
//! the CLI would have printed for the same estate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `skip_serializing_if` for empty lists, maps and strings, and `None`.
macro_rules! shape {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $name {
            $(
                $(#[$fm])*
                #[serde(skip_serializing_if = "Empty::is_empty")]
                pub $field: $ty,
            )*
        }
    };
}

/// What a shape leaves out when writing.
pub trait Empty {
    fn is_empty(&self) -> bool;
}
impl<T> Empty for Option<T> {
    fn is_empty(&self) -> bool {
        self.is_none()
    }
}
impl<T> Empty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}
impl<K, V> Empty for BTreeMap<K, V> {
    fn is_empty(&self) -> bool {
        BTreeMap::is_empty(self)
    }
}

shape!(Tag { key: Option<String>, value: Option<String> });

shape!(TgwOptions {
    amazon_side_asn: Option<i64>,
    default_route_table_association: Option<String>,
    association_default_route_table_id: Option<String>,
    default_route_table_propagation: Option<String>,
    propagation_default_route_table_id: Option<String>,
    vpn_ecmp_support: Option<String>,
    dns_support: Option<String>,
    transit_gateway_cidr_blocks: Vec<String>,
});

shape!(TransitGateway {
    transit_gateway_id: Option<String>,
    transit_gateway_arn: Option<String>,
    state: Option<String>,
    owner_id: Option<String>,
    options: Option<TgwOptions>,
    tags: Vec<Tag>,
});

shape!(TransitGatewayRouteTable {
    transit_gateway_route_table_id: Option<String>,
    transit_gateway_id: Option<String>,
    state: Option<String>,
    default_association_route_table: Option<bool>,
    default_propagation_route_table: Option<bool>,
    tags: Vec<Tag>,
});

shape!(AttachmentAssociation {
    transit_gateway_route_table_id: Option<String>,
    state: Option<String>,
});

shape!(TransitGatewayAttachment {
    transit_gateway_attachment_id: Option<String>,
    transit_gateway_id: Option<String>,
    transit_gateway_owner_id: Option<String>,
    resource_owner_id: Option<String>,
    resource_type: Option<String>,
    resource_id: Option<String>,
    state: Option<String>,
    association: Option<AttachmentAssociation>,
    tags: Vec<Tag>,
});

shape!(VpcAttachmentOptions {
    dns_support: Option<String>,
    ipv6_support: Option<String>,
    appliance_mode_support: Option<String>,
});

shape!(TransitGatewayVpcAttachment {
    transit_gateway_attachment_id: Option<String>,
    transit_gateway_id: Option<String>,
    vpc_id: Option<String>,
    vpc_owner_id: Option<String>,
    state: Option<String>,
    subnet_ids: Vec<String>,
    options: Option<VpcAttachmentOptions>,
    tags: Vec<Tag>,
});

shape!(PeeringTgwInfo {
    transit_gateway_id: Option<String>,
    core_network_id: Option<String>,
    owner_id: Option<String>,
    region: Option<String>,
});

shape!(StatusCode { code: Option<String>, message: Option<String> });

shape!(TransitGatewayPeeringAttachment {
    transit_gateway_attachment_id: Option<String>,
    requester_tgw_info: Option<PeeringTgwInfo>,
    accepter_tgw_info: Option<PeeringTgwInfo>,
    status: Option<StatusCode>,
    state: Option<String>,
    tags: Vec<Tag>,
});

shape!(TgwRouteAttachment {
    resource_id: Option<String>,
    transit_gateway_attachment_id: Option<String>,
    resource_type: Option<String>,
});

shape!(TransitGatewayRoute {
    destination_cidr_block: Option<String>,
    prefix_list_id: Option<String>,
    transit_gateway_attachments: Vec<TgwRouteAttachment>,
    r#type: Option<String>,
    state: Option<String>,
});

shape!(
    /// One table's `search-transit-gateway-routes` answer, with the table's id.
    TableRoutes {
        transit_gateway_route_table_id: Option<String>,
        routes: Vec<TransitGatewayRoute>,
        additional_routes_available: Option<bool>,
    }
);

shape!(TableLink {
    transit_gateway_attachment_id: Option<String>,
    resource_id: Option<String>,
    resource_type: Option<String>,
    state: Option<String>,
});

shape!(
    /// One table's `get-transit-gateway-route-table-propagations` answer, with its id.
    TablePropagations {
        transit_gateway_route_table_id: Option<String>,
        transit_gateway_route_table_propagations: Vec<TableLink>,
    }
);

shape!(
    /// One table's `get-transit-gateway-route-table-associations` answer, with its id.
    TableAssociations {
        transit_gateway_route_table_id: Option<String>,
        associations: Vec<TableLink>,
    }
);

shape!(CidrState { state: Option<String> });
shape!(CidrAssociation { cidr_block: Option<String>, cidr_block_state: Option<CidrState> });
shape!(Ipv6CidrAssociation { ipv6_cidr_block: Option<String> });

shape!(Vpc {
    vpc_id: Option<String>,
    owner_id: Option<String>,
    state: Option<String>,
    cidr_block: Option<String>,
    cidr_block_association_set: Vec<CidrAssociation>,
    ipv6_cidr_block_association_set: Vec<Ipv6CidrAssociation>,
    is_default: Option<bool>,
    tags: Vec<Tag>,
});

shape!(Subnet {
    subnet_id: Option<String>,
    vpc_id: Option<String>,
    owner_id: Option<String>,
    cidr_block: Option<String>,
    availability_zone: Option<String>,
    availability_zone_id: Option<String>,
    tags: Vec<Tag>,
});

shape!(RouteTableAssociation {
    subnet_id: Option<String>,
    gateway_id: Option<String>,
    main: Option<bool>,
});

shape!(Route {
    destination_cidr_block: Option<String>,
    destination_ipv6_cidr_block: Option<String>,
    destination_prefix_list_id: Option<String>,
    gateway_id: Option<String>,
    nat_gateway_id: Option<String>,
    transit_gateway_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    egress_only_internet_gateway_id: Option<String>,
    instance_id: Option<String>,
    network_interface_id: Option<String>,
    carrier_gateway_id: Option<String>,
    local_gateway_id: Option<String>,
    core_network_arn: Option<String>,
    state: Option<String>,
});

shape!(RouteTable {
    route_table_id: Option<String>,
    vpc_id: Option<String>,
    owner_id: Option<String>,
    associations: Vec<RouteTableAssociation>,
    routes: Vec<Route>,
    tags: Vec<Tag>,
});

shape!(VpcLink { vpc_id: Option<String>, state: Option<String> });

shape!(InternetGateway {
    internet_gateway_id: Option<String>,
    owner_id: Option<String>,
    attachments: Vec<VpcLink>,
    tags: Vec<Tag>,
});

shape!(NatAddress { public_ip: Option<String>, private_ip: Option<String> });

shape!(NatGateway {
    nat_gateway_id: Option<String>,
    vpc_id: Option<String>,
    subnet_id: Option<String>,
    state: Option<String>,
    connectivity_type: Option<String>,
    nat_gateway_addresses: Vec<NatAddress>,
    tags: Vec<Tag>,
});

shape!(VpcEndpoint {
    vpc_endpoint_id: Option<String>,
    vpc_id: Option<String>,
    service_name: Option<String>,
    vpc_endpoint_type: Option<String>,
    state: Option<String>,
    subnet_ids: Vec<String>,
});

shape!(CidrBlock { cidr_block: Option<String> });
shape!(Ipv6CidrBlock { ipv6_cidr_block: Option<String> });

shape!(VpcPeeringInfo {
    vpc_id: Option<String>,
    region: Option<String>,
    owner_id: Option<String>,
    cidr_block: Option<String>,
    cidr_block_set: Vec<CidrBlock>,
    ipv6_cidr_block_set: Vec<Ipv6CidrBlock>,
});

shape!(VpcPeeringConnection {
    vpc_peering_connection_id: Option<String>,
    status: Option<StatusCode>,
    requester_vpc_info: Option<VpcPeeringInfo>,
    accepter_vpc_info: Option<VpcPeeringInfo>,
    tags: Vec<Tag>,
});

shape!(AclAssociation { subnet_id: Option<String> });
shape!(PortRange { from: Option<i32>, to: Option<i32> });

shape!(AclEntry {
    rule_number: Option<i32>,
    egress: Option<bool>,
    protocol: Option<String>,
    rule_action: Option<String>,
    cidr_block: Option<String>,
    ipv6_cidr_block: Option<String>,
    port_range: Option<PortRange>,
});

shape!(NetworkAcl {
    network_acl_id: Option<String>,
    vpc_id: Option<String>,
    is_default: Option<bool>,
    associations: Vec<AclAssociation>,
    entries: Vec<AclEntry>,
});

shape!(IpRange { cidr_ip: Option<String> });
shape!(Ipv6Range { cidr_ipv6: Option<String> });
shape!(PrefixListId { prefix_list_id: Option<String> });

shape!(
    /// An AWS service list as `describe-prefix-lists` prints it, with its CIDRs.
    PrefixList {
        prefix_list_id: Option<String>,
        prefix_list_name: Option<String>,
        cidrs: Vec<String>,
    }
);

shape!(
    /// A managed list as `describe-managed-prefix-lists` prints it (no entries).
    ManagedPrefixList {
        prefix_list_id: Option<String>,
        address_family: Option<String>,
        state: Option<String>,
        prefix_list_name: Option<String>,
        max_entries: Option<i32>,
        owner_id: Option<String>,
    }
);

shape!(PrefixListEntry {
    cidr: Option<String>,
    description: Option<String>,
});

shape!(
    /// One list's `get-managed-prefix-list-entries` answer, with the list's id.
    ListEntries {
        prefix_list_id: Option<String>,
        entries: Vec<PrefixListEntry>,
    }
);
shape!(GroupPair { group_id: Option<String> });

shape!(IpPermission {
    ip_protocol: Option<String>,
    from_port: Option<i32>,
    to_port: Option<i32>,
    ip_ranges: Vec<IpRange>,
    ipv6_ranges: Vec<Ipv6Range>,
    prefix_list_ids: Vec<PrefixListId>,
    user_id_group_pairs: Vec<GroupPair>,
});

shape!(SecurityGroup {
    group_id: Option<String>,
    owner_id: Option<String>,
    group_name: Option<String>,
    vpc_id: Option<String>,
    ip_permissions: Vec<IpPermission>,
    ip_permissions_egress: Vec<IpPermission>,
    tags: Vec<Tag>,
});

shape!(PublicIp { public_ip: Option<String> });
shape!(PrivateIp {
    private_ip_address: Option<String>,
    primary: Option<bool>,
    association: Option<PublicIp>,
});
shape!(Ipv6Address { ipv6_address: Option<String> });
shape!(EniAttachment { instance_id: Option<String> });

shape!(NetworkInterface {
    network_interface_id: Option<String>,
    owner_id: Option<String>,
    vpc_id: Option<String>,
    subnet_id: Option<String>,
    availability_zone: Option<String>,
    interface_type: Option<String>,
    private_ip_address: Option<String>,
    private_ip_addresses: Vec<PrivateIp>,
    ipv6_addresses: Vec<Ipv6Address>,
    association: Option<PublicIp>,
    attachment: Option<EniAttachment>,
    groups: Vec<GroupPair>,
    description: Option<String>,
});

shape!(InstanceState { name: Option<String> });

shape!(Instance {
    instance_id: Option<String>,
    vpc_id: Option<String>,
    subnet_id: Option<String>,
    private_ip_address: Option<String>,
    public_ip_address: Option<String>,
    security_groups: Vec<GroupPair>,
    state: Option<InstanceState>,
    tags: Vec<Tag>,
});

shape!(Reservation {
    owner_id: Option<String>,
    instances: Vec<Instance>,
});

/// One entry of `describe-instance-information` (SSM). Its IP field is `IPAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InstanceInformation {
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub ping_status: Option<String>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub platform_name: Option<String>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub agent_version: Option<String>,
    #[serde(rename = "IPAddress", skip_serializing_if = "Empty::is_empty")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub resource_type: Option<String>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub computer_name: Option<String>,
}

// Network Firewall: the describe responses (`describe-firewall`,
// `describe-firewall-policy`, `describe-rule-group`), one per object.

shape!(SubnetMapping { subnet_id: Option<String> });

shape!(Firewall {
    firewall_name: Option<String>,
    firewall_arn: Option<String>,
    firewall_id: Option<String>,
    vpc_id: Option<String>,
    firewall_policy_arn: Option<String>,
    subnet_mappings: Vec<SubnetMapping>,
});

shape!(SyncAttachment {
    subnet_id: Option<String>,
    endpoint_id: Option<String>,
    status: Option<String>,
});
shape!(SyncState { attachment: Option<SyncAttachment> });
shape!(FirewallStatus { sync_states: BTreeMap<String, SyncState> });

shape!(
    /// `aws network-firewall describe-firewall` output.
    DescribeFirewall {
        firewall: Option<Firewall>,
        firewall_status: Option<FirewallStatus>,
    }
);

shape!(PolicyResponse {
    firewall_policy_name: Option<String>,
    firewall_policy_arn: Option<String>,
    firewall_policy_id: Option<String>,
    tags: Vec<Tag>,
});

shape!(EngineOptions { rule_order: Option<String> });
shape!(GroupOverride { action: Option<String> });
shape!(StatelessRef { resource_arn: Option<String>, priority: Option<i32> });
shape!(StatefulRef {
    resource_arn: Option<String>,
    priority: Option<i32>,
    r#override: Option<GroupOverride>,
    deep_threat_inspection: Option<bool>,
});
shape!(IpSet { definition: Vec<String> });
shape!(RuleVariables { rule_variables: BTreeMap<String, IpSet> });

shape!(Policy {
    stateless_default_actions: Vec<String>,
    stateless_fragment_default_actions: Vec<String>,
    stateful_default_actions: Vec<String>,
    stateful_engine_options: Option<EngineOptions>,
    stateless_rule_group_references: Vec<StatelessRef>,
    stateful_rule_group_references: Vec<StatefulRef>,
    policy_variables: Option<RuleVariables>,
});

shape!(
    /// `aws network-firewall describe-firewall-policy` output.
    DescribeFirewallPolicy {
        update_token: Option<String>,
        firewall_policy_response: Option<PolicyResponse>,
        firewall_policy: Option<Policy>,
    }
);

shape!(GroupResponse {
    rule_group_arn: Option<String>,
    rule_group_name: Option<String>,
    rule_group_id: Option<String>,
    r#type: Option<String>,
    capacity: Option<i32>,
    description: Option<String>,
});

/// `IPSets` and `PortSets` are spelled with capitals the PascalCase rule misses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupVariables {
    #[serde(rename = "IPSets", skip_serializing_if = "Empty::is_empty")]
    pub ip_sets: BTreeMap<String, IpSet>,
    #[serde(rename = "PortSets", skip_serializing_if = "Empty::is_empty")]
    pub port_sets: BTreeMap<String, IpSet>,
}

shape!(Address { address_definition: Option<String> });
shape!(FwPortRange { from_port: Option<i32>, to_port: Option<i32> });

/// A stateless rule's match; `TCPFlags` is spelled with capitals.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MatchAttributes {
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub sources: Vec<Address>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub destinations: Vec<Address>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub source_ports: Vec<FwPortRange>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub destination_ports: Vec<FwPortRange>,
    #[serde(skip_serializing_if = "Empty::is_empty")]
    pub protocols: Vec<i32>,
    #[serde(rename = "TCPFlags", skip_serializing_if = "Empty::is_empty")]
    pub tcp_flags: Vec<serde_json::Value>,
}

shape!(RuleDefinition {
    actions: Vec<String>,
    match_attributes: Option<MatchAttributes>,
});
shape!(StatelessRule { priority: Option<i32>, rule_definition: Option<RuleDefinition> });
shape!(StatelessRules { stateless_rules: Vec<StatelessRule> });

shape!(Header {
    protocol: Option<String>,
    source: Option<String>,
    source_port: Option<String>,
    direction: Option<String>,
    destination: Option<String>,
    destination_port: Option<String>,
});
shape!(RuleOption { keyword: Option<String>, settings: Vec<String> });
shape!(StatefulRule {
    action: Option<String>,
    header: Option<Header>,
    rule_options: Vec<RuleOption>,
});

shape!(RulesSource {
    rules_string: Option<String>,
    stateful_rules: Vec<StatefulRule>,
    stateless_rules_and_custom_actions: Option<StatelessRules>,
    rules_source_list: Option<serde_json::Value>,
});

shape!(GroupBody {
    rule_variables: Option<GroupVariables>,
    rules_source: Option<RulesSource>,
    stateful_rule_options: Option<EngineOptions>,
});

shape!(
    /// `aws network-firewall describe-rule-group` output.
    DescribeRuleGroup {
        rule_group_response: Option<GroupResponse>,
        rule_group: Option<GroupBody>,
    }
);
