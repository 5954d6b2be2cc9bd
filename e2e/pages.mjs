// One address for each type of page the portal serves, on the bundled sample.

export const PAGES = [
  { name: 'home', path: '/', status: 200, h1: 'Find crime and policing information for your area' },
  { name: 'search-error', path: '/search?q=EC2V%207', status: 400, h1: 'Find crime and policing information for your area' },
  { name: 'search-results', path: '/search?q=street', status: 200, h1: 'Find crime and policing information for your area' },
  { name: 'neighbourhood', path: '/neighbourhoods/city-of-london/bar', status: 200, h1: 'Barbican' },
  // A postcode outside the loaded neighbourhood boundaries: its force and CSP.
  { name: 'postcode-area', path: '/search?q=LU1%201AA', status: 200, h1: 'LU1 1AA: Bedfordshire Police' },
  { name: 'force', path: '/forces/bedfordshire', status: 200, h1: 'Bedfordshire Police' },
  { name: 'bcu', path: '/forces/bedfordshire/bcus/luton', status: 200, h1: 'Luton basic command unit' },
  {
    name: 'csp',
    path: '/forces/bedfordshire/csps/central-bedfordshire',
    status: 200,
    h1: 'Central Bedfordshire Community Safety Partnership',
  },
  // One crime by its police.uk persistent id, with its outcome history.
  {
    name: 'crime',
    path: '/crimes/87285a8be04d2f9c2baf5a0319a6d492be8b66ac97a03efe06787ed29b89c896',
    status: 200,
    h1: 'Burglary in January 2024',
  },
  { name: 'compare', path: '/compare', status: 200, h1: 'Compare police forces' },
  // A force beside its most similar group (the published one, illustrative in the sample, and the computed one).
  {
    name: 'most-similar-group',
    path: '/forces/bedfordshire/similar',
    status: 200,
    h1: 'Bedfordshire Police compared with its most similar group',
  },
  // Quarterly figures: a BCU with the same quarter a year before and Pledge figures, and a partnership without.
  {
    name: 'quarterly-bcu',
    path: '/forces/city-of-london/bcus/city/quarterly',
    status: 200,
    h1: 'Quarterly figures: City of London basic command unit',
  },
  {
    name: 'quarterly-csp',
    path: '/forces/bedfordshire/csps/luton/quarterly',
    status: 200,
    h1: 'Quarterly figures: Community Safety Luton',
  },
  // Report cards: peel's grades of a force and a BCU, with the figures behind each.
  { name: 'report-card-force', path: '/forces/city-of-london/report-card', status: 200, h1: 'Report card: City of London Police' },
  {
    name: 'report-card-bcu',
    path: '/forces/city-of-london/bcus/city/report-card',
    status: 200,
    h1: 'Report card: City of London basic command unit',
  },
  // Public confidence (illustrative survey responses) for a force and a BCU.
  {
    name: 'confidence-force',
    path: '/forces/city-of-london/confidence',
    status: 200,
    h1: 'Public confidence: City of London Police',
  },
  {
    name: 'confidence-bcu',
    path: '/forces/city-of-london/bcus/city/confidence',
    status: 200,
    h1: 'Public confidence: City of London basic command unit',
  },
  // Stop and search: a force and a neighbourhood with figures, and a force police.uk publishes none for.
  {
    name: 'stop-search-force',
    path: '/forces/city-of-london/stop-and-search',
    status: 200,
    h1: 'Stop and search: City of London Police',
  },
  {
    name: 'stop-search-neighbourhood',
    path: '/neighbourhoods/city-of-london/ban/stop-and-search',
    status: 200,
    h1: 'Stop and search: Bank',
  },
  {
    name: 'stop-search-none',
    path: '/forces/bedfordshire/stop-and-search',
    status: 200,
    h1: 'Stop and search: Bedfordshire Police',
  },
  // Policing Pledge figures (generated demo events) for a force and a BCU.
  { name: 'pledge-force', path: '/forces/city-of-london/pledge', status: 200, h1: 'Policing Pledge: City of London Police' },
  {
    name: 'pledge-bcu',
    path: '/forces/city-of-london/bcus/city/pledge',
    status: 200,
    h1: 'Policing Pledge: City of London basic command unit',
  },
  // Demand against deployment (generated demo events) for a force, a BCU and a neighbourhood.
  {
    name: 'demand-force',
    path: '/forces/city-of-london/demand',
    status: 200,
    h1: 'Demand and deployment: City of London Police',
  },
  {
    name: 'demand-bcu',
    path: '/forces/city-of-london/bcus/city/demand',
    status: 200,
    h1: 'Demand and deployment: City of London basic command unit',
  },
  {
    name: 'demand-neighbourhood',
    path: '/neighbourhoods/city-of-london/bar/demand',
    status: 200,
    h1: 'Demand and deployment: Barbican',
  },
  {
    name: 'neighbourhood-comparison',
    path: '/forces/city-of-london/neighbourhoods',
    status: 200,
    h1: 'Compare neighbourhoods in City of London Police',
  },
  { name: 'complain', path: '/forces/city-of-london/complain', status: 200, h1: 'How to complain about City of London Police, and how to escalate' },
  // The Community Trigger: how to apply, and each partnership's published figures.
  {
    name: 'community-trigger',
    path: '/community-trigger',
    status: 200,
    h1: 'Anti-social behaviour case reviews (the Community Trigger)',
  },
  {
    name: 'community-trigger-csp',
    path: '/community-trigger/city-of-london/city-of-london',
    status: 200,
    h1: 'Case reviews in Safer City Partnership',
  },
  // Each partnership's published ASB service standards and redress.
  { name: 'asb-standards', path: '/asb-standards', status: 200, h1: 'Anti-social behaviour: what you can expect' },
  {
    name: 'asb-standards-csp',
    path: '/asb-standards/city-of-london/city-of-london',
    status: 200,
    h1: 'What you can expect in Safer City Partnership',
  },
  { name: 'about', path: '/about', status: 200, h1: 'About peel and its data' },
  { name: 'accessibility', path: '/accessibility', status: 200, h1: 'Accessibility statement' },
  { name: 'not-found', path: '/no-such-page', status: 404, h1: 'Page not found' },
];
