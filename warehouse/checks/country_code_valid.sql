-- country_code is a valid ISO 3166-1 alpha-2 code (or XK, Kosovo): returns mentions with any other code.
select mention.*
from mention
anti join country using (country_code)
