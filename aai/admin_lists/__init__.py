"""The admin user lists and counts, and the SQL machinery that answers them from the database."""
