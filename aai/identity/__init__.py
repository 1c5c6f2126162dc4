"""Who is calling and what they may do: Auth0 tokens, the Auth0 client, permissions, session
tokens and reCAPTCHA."""
