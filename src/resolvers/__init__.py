"""Thin resolvers: GraphQL arguments → core service → schema type."""
