"""Buyers' accounts: built-in (hashed passwords) or mirrored from Supabase Auth."""
